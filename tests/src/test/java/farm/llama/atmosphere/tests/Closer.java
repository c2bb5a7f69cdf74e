package farm.llama.atmosphere.tests;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened — nodes, stand-in backends, relays — closed after it, newest first, even when
 * it fails: {@code @RegisterExtension final Closer open = new Closer();} then {@code open.add(node)}.
 */
final class Closer implements AfterEachCallback {

    private final List<AutoCloseable> open = new ArrayList<>();

    /**
     * @param c something to close after the test
     * @param <T> its type
     * @return it
     */
    <T extends AutoCloseable> T add(T c) {
        open.add(c);
        return c;
    }

    /** @param c something the test closed itself */
    void remove(AutoCloseable c) {
        open.remove(c);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        closeAll();
    }

    /**
     * Closes everything now, newest first (for a test that must close something else after it).
     *
     * @throws Exception the first failure, the others suppressed in it
     */
    void closeAll() throws Exception {
        Exception first = null;
        for (AutoCloseable c : open.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
