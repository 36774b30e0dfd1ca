/*
 * The JNI side of io.mmapheap.os.Syscalls: one function per memory system call.
 *
 * Contract shared by every function here: arguments were validated in Java, the call is made
 * exactly once, and the result is returned as is, or as -errno on failure. Nothing here decides
 * anything; turning -errno into an exception is Java's job (VirtualMemory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io_mmapheap_os_Syscalls.h"

static inline void *to_ptr(jlong address) {
    return (void *) (uintptr_t) address;
}

static inline size_t to_size(jlong length) {
    return (size_t) length;
}

static inline jint fail(void) {
    return (jint) -errno;
}

JNIEXPORT jlong JNICALL Java_io_mmapheap_os_Syscalls_mmap(
        JNIEnv *env, jclass cls, jlong hint, jlong length, jint prot, jint flags) {
    (void) env; (void) cls;
    void *p = mmap(to_ptr(hint), to_size(length), prot, flags, -1, 0);
    return p == MAP_FAILED ? (jlong) -errno : (jlong) (uintptr_t) p;
}

JNIEXPORT jint JNICALL Java_io_mmapheap_os_Syscalls_munmap(
        JNIEnv *env, jclass cls, jlong address, jlong length) {
    (void) env; (void) cls;
    return munmap(to_ptr(address), to_size(length)) == 0 ? 0 : fail();
}

JNIEXPORT jlong JNICALL Java_io_mmapheap_os_Syscalls_mremap(
        JNIEnv *env, jclass cls, jlong address, jlong oldLength, jlong newLength, jint flags) {
    (void) env; (void) cls;
    void *p = mremap(to_ptr(address), to_size(oldLength), to_size(newLength), flags);
    return p == MAP_FAILED ? (jlong) -errno : (jlong) (uintptr_t) p;
}

JNIEXPORT jint JNICALL Java_io_mmapheap_os_Syscalls_madvise(
        JNIEnv *env, jclass cls, jlong address, jlong length, jint advice) {
    (void) env; (void) cls;
    return madvise(to_ptr(address), to_size(length), advice) == 0 ? 0 : fail();
}

JNIEXPORT jint JNICALL Java_io_mmapheap_os_Syscalls_mprotect(
        JNIEnv *env, jclass cls, jlong address, jlong length, jint prot) {
    (void) env; (void) cls;
    return mprotect(to_ptr(address), to_size(length), prot) == 0 ? 0 : fail();
}

JNIEXPORT jint JNICALL Java_io_mmapheap_os_Syscalls_mlock(
        JNIEnv *env, jclass cls, jlong address, jlong length) {
    (void) env; (void) cls;
    return mlock(to_ptr(address), to_size(length)) == 0 ? 0 : fail();
}

JNIEXPORT jint JNICALL Java_io_mmapheap_os_Syscalls_munlock(
        JNIEnv *env, jclass cls, jlong address, jlong length) {
    (void) env; (void) cls;
    return munlock(to_ptr(address), to_size(length)) == 0 ? 0 : fail();
}

JNIEXPORT jint JNICALL Java_io_mmapheap_os_Syscalls_mincore(
        JNIEnv *env, jclass cls, jlong address, jlong length, jbyteArray residency) {
    (void) cls;
    /* Java sized the array to one byte per page of the range. */
    jbyte *vec = (*env)->GetByteArrayElements(env, residency, NULL);
    if (vec == NULL) {
        return -ENOMEM;
    }
    int rc = mincore(to_ptr(address), to_size(length), (unsigned char *) vec);
    jint result = rc == 0 ? 0 : fail();
    (*env)->ReleaseByteArrayElements(env, residency, vec, 0);
    return result;
}

JNIEXPORT jlong JNICALL Java_io_mmapheap_os_Syscalls_sysconfPageSize(JNIEnv *env, jclass cls) {
    (void) env; (void) cls;
    long size = sysconf(_SC_PAGESIZE);
    return size < 0 ? (jlong) -errno : (jlong) size;
}

JNIEXPORT jstring JNICALL Java_io_mmapheap_os_Syscalls_strerror(JNIEnv *env, jclass cls, jint errnum) {
    (void) cls;
    char buffer[256];
    /* GNU strerror_r: returns the message, which may or may not live in buffer. */
    const char *text = strerror_r(errnum, buffer, sizeof buffer);
    return (*env)->NewStringUTF(env, text);
}

JNIEXPORT jobject JNICALL Java_io_mmapheap_os_Syscalls_newDirectByteBuffer(
        JNIEnv *env, jclass cls, jlong address, jlong capacity) {
    (void) cls;
    return (*env)->NewDirectByteBuffer(env, to_ptr(address), capacity);
}

/* The header values the Java constants must equal; the order is Syscalls.HEADER_CONSTANT_NAMES. */
JNIEXPORT jlongArray JNICALL Java_io_mmapheap_os_Syscalls_headerConstants(JNIEnv *env, jclass cls) {
    (void) cls;
    const jlong values[] = {
        PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC,
        MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE, MAP_POPULATE, MAP_HUGETLB,
        MAP_FIXED_NOREPLACE,
        MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
        MADV_HUGEPAGE, MADV_NOHUGEPAGE,
        EINVAL, ENOMEM, EAGAIN, EPERM,
        MREMAP_MAYMOVE,
    };
    const jsize count = (jsize) (sizeof values / sizeof values[0]);
    jlongArray result = (*env)->NewLongArray(env, count);
    if (result != NULL) {
        (*env)->SetLongArrayRegion(env, result, 0, count, values);
    }
    return result;
}
