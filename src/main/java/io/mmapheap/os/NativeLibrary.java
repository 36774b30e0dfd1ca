package io.mmapheap.os;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads the {@code mmapheap} JNI library once per class loader. In order it tries:
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY}, if set;</li>
 *   <li>{@code System.loadLibrary("mmapheap")} (a {@code libmmapheap.so} on {@code java.library.path});</li>
 *   <li>the library bundled as a class-path resource for this OS and architecture, loaded in place
 *       when it is a plain file, otherwise copied to a temporary file that is deleted once loaded.</li>
 * </ol>
 * If all fail, an {@link UnsatisfiedLinkError} names the OS/architecture and every attempt.
 */
public final class NativeLibrary {

    /** System property naming an explicit path to {@code libmmapheap.so}. */
    public static final String PATH_PROPERTY = "mmapheap.native.path";

    private static final String NAME = "mmapheap";
    private static final String FILE_NAME = System.mapLibraryName(NAME);

    private static boolean loaded;

    private NativeLibrary() {
    }

    /**
     * Loads the library if this class loader has not yet done so.
     *
     * @throws UnsatisfiedLinkError if no attempt succeeded; the message lists what was tried
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        List<String> attempts = new ArrayList<>();
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null) {
            try {
                System.load(Paths.get(explicit).toAbsolutePath().toString());
                loaded = true;
                return;
            } catch (UnsatisfiedLinkError e) {
                attempts.add("-D" + PATH_PROPERTY + "=" + explicit + ": " + e.getMessage());
            }
        }
        try {
            System.loadLibrary(NAME);
            loaded = true;
            return;
        } catch (UnsatisfiedLinkError e) {
            attempts.add("System.loadLibrary(\"" + NAME + "\"): " + e.getMessage());
        }
        String resource = resourcePath();
        try {
            loadResource(resource);
            loaded = true;
        } catch (IOException | UnsatisfiedLinkError e) {
            attempts.add("class-path resource " + resource + ": " + e.getMessage());
            throw new UnsatisfiedLinkError("cannot load the " + NAME + " native library for "
                    + platform() + "; tried " + String.join("; ", attempts));
        }
    }

    /** The platform tag used in resource paths, as the build names it: {@code amd64-Linux}. */
    static String platform() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        if (arch.equals("x86_64")) {
            arch = "amd64";
        }
        String os = System.getProperty("os.name");
        return arch + "-" + os;
    }

    static String resourcePath() {
        return "/io/mmapheap/os/native/" + platform() + "/" + FILE_NAME;
    }

    private static void loadResource(String resource) throws IOException {
        URL url = NativeLibrary.class.getResource(resource);
        if (url == null) {
            throw new IOException("not found (no library is bundled for " + platform() + ")");
        }
        if (url.getProtocol().equals("file")) {
            try {
                System.load(Paths.get(url.toURI()).toString());
                return;
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
        }
        Path temp = Files.createTempFile(NAME + "-", "-" + FILE_NAME);
        try (InputStream in = url.openStream()) {
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            System.load(temp.toString());
        } finally {
            // Once loaded, the mapping keeps the file's pages alive; the name is no longer needed.
            Files.deleteIfExists(temp);
        }
    }
}
