package farm.llama.atmosphere.spi.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.Setting;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every provider of every family must do: a type that config can name, found by
 * {@link ServiceLoader} through its {@code META-INF/services} file, and settings declared once.
 *
 * @param <P> the provider interface of the family
 */
public abstract class ProviderContract<P extends Provider> {

    /** The provider's data folder. */
    @TempDir
    protected Path dataDir;

    /** @return the family's provider interface ({@code RouterProvider.class}, ...) */
    protected abstract Class<P> family();

    /** @return a new provider, as {@link ServiceLoader} would make it */
    protected abstract P provider();

    /** @return the context the provider's objects are created with; a {@link TestContext} unless overridden */
    protected TestContext context() {
        return new TestContext(dataDir.resolve("plugin-data"));
    }

    @Test
    public void itsTypeIsANameConfigCanUse() {
        assertTrue(provider().type().matches("[a-z][a-z0-9-]{0,63}"), "type: " + provider().type());
    }

    @Test
    public void serviceLoaderFindsItThroughItsServicesFile() {
        Class<?> mine = provider().getClass();
        assertTrue(ServiceLoader.load(family(), getClass().getClassLoader()).stream().anyMatch(p -> p.type().equals(mine)),
                "META-INF/services/" + family().getName() + " must name " + mine.getName());
    }

    @Test
    public void itsSettingsAreDeclaredOnceAndDocumented() {
        Set<String> keys = new HashSet<>();
        for (Setting s : provider().settings()) {
            assertTrue(keys.add(s.key()), "declared twice: " + s.key());
            assertTrue(s.key().matches("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*"), "a key is lower-case words: " + s.key());
            assertFalse(s.doc().isBlank(), "say what " + s.key() + " does");
        }
        assertEquals(keys.size(), provider().settings().size());
    }
}
