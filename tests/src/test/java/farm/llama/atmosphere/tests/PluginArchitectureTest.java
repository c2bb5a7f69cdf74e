package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The built-in plugins, as the image ships them, depend on the SPI and their own classes only:
 * no class of a plugin jar names a class of the runtime, the shell or another plugin.
 */
class PluginArchitectureTest {

    private static final Path PLUGINS = Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins"));

    @Test
    void pluginsNameNothingOfAtmosphereButTheSpiAndThemselves() throws IOException {
        List<String> violations = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        try (var jars = Files.list(PLUGINS)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                seen.add(jar.getFileName().toString());
                List<ClassModel> classes = new ArrayList<>();
                Set<String> own = new TreeSet<>();
                try (JarFile f = new JarFile(jar.toFile())) {
                    for (JarEntry e : f.stream().filter(e -> e.getName().endsWith(".class") && !e.getName().endsWith("module-info.class")).toList()) {
                        try (var in = f.getInputStream(e)) {
                            ClassModel m = ClassFile.of().parse(in.readAllBytes());
                            classes.add(m);
                            String name = m.thisClass().asInternalName();
                            own.add(name.substring(0, name.lastIndexOf('/')));
                        }
                    }
                }
                for (ClassModel m : classes) {
                    for (PoolEntry p : m.constantPool()) {
                        if (p instanceof ClassEntry c && c.asInternalName().startsWith("farm/llama/atmosphere/")) {
                            String used = c.asInternalName();
                            String pkg = used.substring(0, used.lastIndexOf('/'));
                            if (!pkg.startsWith("farm/llama/atmosphere/spi") && !own.contains(pkg)) {
                                violations.add(jar.getFileName() + ": " + m.thisClass().asInternalName() + " uses " + used);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(seen.containsAll(Set.of("router-semantic.jar", "agents-core.jar", "tools-core.jar", "transport-websocket.jar",
                "transport-relay.jar", "discovery-ollama.jar", "discovery-openai.jar", "discovery-llamafarm.jar")), "the built-in plugins: " + seen);
        assertEquals(List.of(), violations);
    }
}
