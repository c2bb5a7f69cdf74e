package farm.llama.atmosphere.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this build. */
public final class Atmosphere {

    private static final String VERSION = readVersion();

    private Atmosphere() {
    }

    /** @return the version, from the single Maven version */
    public static String version() {
        return VERSION;
    }

    private static String readVersion() {
        try (InputStream in = Atmosphere.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "0.0.0";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "0.0.0");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
