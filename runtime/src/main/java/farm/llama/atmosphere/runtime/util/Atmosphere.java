package farm.llama.atmosphere.runtime.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this build. */
public final class Atmosphere {

    private static final Properties BUILD = readBuild();

    private Atmosphere() {
    }

    /** @return the version, from the single Maven version */
    public static String version() {
        return BUILD.getProperty("version", "0.0.0");
    }

    /** @return the commit this build is of (12 hex digits), or {@code unknown} when it was built outside a git checkout */
    public static String commit() {
        String commit = BUILD.getProperty("commit", "");
        return commit.isBlank() || commit.startsWith("${") ? "unknown" : commit;
    }

    /** @return the Java runtime this process runs on: version and vendor, e.g. {@code 25.0.1 (Eclipse Adoptium)} */
    public static String runtime() {
        return Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")";
    }

    private static Properties readBuild() {
        Properties p = new Properties();
        try (InputStream in = Atmosphere.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
