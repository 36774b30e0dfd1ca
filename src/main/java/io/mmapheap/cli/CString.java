package io.mmapheap.cli;

import io.mmapheap.RawMemory;

/** The lab programs' string handling on raw buffers: memset-style fills, strcpy and strcmp. */
final class CString {

    private CString() {
    }

    /** Writes {@code length - 1} copies of {@code c} and a terminating NUL at {@code address}. */
    static void fillString(long address, int length, char c) {
        RawMemory.fill(address, length - 1, (byte) c);
        RawMemory.putByte(address + length - 1, (byte) 0);
    }

    /** Copies {@code text} and a terminating NUL to {@code address} (strcpy). */
    static void copy(long address, String text) {
        for (int i = 0; i < text.length(); i++) {
            RawMemory.putByte(address + i, (byte) text.charAt(i));
        }
        RawMemory.putByte(address + text.length(), (byte) 0);
    }

    /** @return false for NULL; else whether the NUL-terminated string at {@code address} is {@code length - 1} copies of {@code c} */
    static boolean isString(long address, int length, char c) {
        if (address == 0) {
            return false;
        }
        for (int i = 0; i < length - 1; i++) {
            if (RawMemory.getByte(address + i) != (byte) c) {
                return false;
            }
        }
        return RawMemory.getByte(address + length - 1) == 0;
    }

    /** @return false for NULL; else whether the NUL-terminated string at {@code address} equals {@code text} (strcmp == 0) */
    static boolean equals(long address, String text) {
        if (address == 0) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (RawMemory.getByte(address + i) != (byte) text.charAt(i)) {
                return false;
            }
        }
        return RawMemory.getByte(address + text.length()) == 0;
    }

    /** @return false for NULL; else whether all {@code length} bytes at {@code address} are {@code c} */
    static boolean allBytes(long address, int length, char c) {
        if (address == 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (RawMemory.getByte(address + i) != (byte) c) {
                return false;
            }
        }
        return true;
    }
}
