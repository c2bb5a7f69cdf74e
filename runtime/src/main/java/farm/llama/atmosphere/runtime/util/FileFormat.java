package farm.llama.atmosphere.runtime.util;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The format version every JSON data file carries in its {@code "format"} field. A reader takes
 * its own format and every older one (migrating as it goes); a file of a newer format — written by
 * a newer Atmosphere, after which this one was started again — is refused with both formats named,
 * never read as if it were the old one and never overwritten.
 */
public final class FileFormat {

    private FileFormat() {
    }

    /** A data file written in a format newer than this version reads. */
    public static final class NewerException extends AtmosphereException {
        private static final long serialVersionUID = 1L;

        NewerException(String message) {
            super(message);
        }
    }

    /**
     * Reads and parses a JSON data file and checks its format.
     *
     * @param file the file
     * @param newest the newest format this version writes (and so reads)
     * @return the document
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is not JSON
     * @throws NewerException if its format is newer than {@code newest}
     */
    public static JsonNode read(Path file, int newest) throws IOException {
        JsonNode doc = Json.parse(Files.readString(file));
        of(doc, file, newest);
        return doc;
    }

    /**
     * @param doc a data file's document
     * @param file where it came from (for the message)
     * @param newest the newest format this version reads
     * @return its format: the {@code "format"} field; 1 when absent (every file of 0.1.0 was format 1)
     * @throws NewerException if it is newer than {@code newest}
     * @throws IllegalArgumentException if the field is not a positive whole number
     */
    public static int of(JsonNode doc, Path file, int newest) {
        JsonNode f = doc.path("format");
        if (f.isMissingNode() || f.isNull()) {
            return 1;
        }
        if (!f.canConvertToInt() || !f.isIntegralNumber() || f.asInt() < 1) {
            throw new IllegalArgumentException("its \"format\" is " + f + ", not a format version (1, 2, …)");
        }
        int format = f.asInt();
        if (format > newest) {
            throw new NewerException(newer(file, format, newest));
        }
        return format;
    }

    /**
     * @param file a data file
     * @param format its format
     * @param newest the newest format this version reads
     * @return the message refusing it
     */
    public static String newer(Path file, int format, int newest) {
        return file + " is in format " + format + ", written by a newer Atmosphere; this one (" + Atmosphere.version()
                + ") reads formats up to " + newest + ". Run the newer version again, or restore the file from a backup"
                + " taken before the upgrade. Nothing was changed.";
    }
}
