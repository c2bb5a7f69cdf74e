package farm.llama.atmosphere.runtime.plugins;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;

/**
 * Builds real plugin jars for tests: Java sources compiled against the SPI, a PF4J manifest and
 * META-INF/services files, like a plugin author's build would.
 */
public final class PluginJars {

    private final String id;
    private String version = "1.0.0";
    private String requires = "*";
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, List<String>> services = new LinkedHashMap<>();

    private PluginJars(String id) {
        this.id = id;
    }

    /** @return a builder for a plugin with this id */
    public static PluginJars plugin(String id) {
        return new PluginJars(id);
    }

    public PluginJars version(String v) {
        this.version = v;
        return this;
    }

    public PluginJars requires(String r) {
        this.requires = r;
        return this;
    }

    /** Adds a class ({@code pkg.Name}) with its source. */
    public PluginJars source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** Declares a provider in META-INF/services. */
    public PluginJars service(Class<?> spi, String implementation) {
        services.computeIfAbsent(spi.getName(), k -> new ArrayList<>()).add(implementation);
        return this;
    }

    /**
     * A tool provider plugin whose provider has type {@code type} and one tool that echoes a greeting.
     */
    public static PluginJars toolPlugin(String id, String pkg, String toolName, String greeting) {
        return plugin(id)
                .source(pkg + ".Provider", """
                        package %1$s;
                        import farm.llama.atmosphere.spi.NodeContext;
                        import farm.llama.atmosphere.spi.tool.*;
                        import java.time.Duration;
                        import java.util.List;
                        public final class Provider implements ToolProvider {
                            public String type() { return "%2$s"; }
                            public List<Tool> create(NodeContext ctx) {
                                ToolSpec spec = new ToolSpec("%2$s", "says %3$s", "test",
                                    "{\\"type\\":\\"object\\",\\"properties\\":{\\"n\\":{\\"type\\":\\"integer\\"}}}",
                                    List.of(), Duration.ofSeconds(5), false);
                                return List.of(new Tool() {
                                    public ToolSpec spec() { return spec; }
                                    public ToolResult invoke(ToolCall call) { return new ToolResult("\\"%3$s\\""); }
                                });
                            }
                        }
                        """.formatted(pkg, toolName, greeting))
                .service(farm.llama.atmosphere.spi.tool.ToolProvider.class, pkg + ".Provider");
    }

    /**
     * Adds an agent type provider {@code pkg.Agents} (type {@code type}) with one agent type of that
     * name, and declares it. The agent answers each intent with {@code body}: Java statements that
     * return a {@code CompletionStage<AgentReply>}, with {@code ctx} (the NodeContext), {@code id},
     * {@code intent}, {@code args} and {@code caller} in scope.
     */
    public PluginJars agentType(String pkg, String type, String description, String body) {
        return source(pkg + ".Agents", """
                package %1$s;
                import farm.llama.atmosphere.spi.*;
                import farm.llama.atmosphere.spi.agent.*;
                import java.util.List;
                import java.util.Map;
                import java.util.concurrent.CompletableFuture;
                import java.util.concurrent.CompletionStage;
                public final class Agents implements AgentTypeProvider {
                    public String type() { return "%2$s"; }
                    public List<AgentType> create(NodeContext ctx) {
                        return List.of(new AgentType() {
                            public String name() { return "%2$s"; }
                            public String description() { return "%3$s"; }
                            public Agent spawn(String id, Map<String, Object> params) {
                                return new Agent() {
                                    private volatile AgentState state = AgentState.IDLE;
                                    public String id() { return id; }
                                    public AgentState state() { return state; }
                                    public CompletionStage<AgentReply> handle(String intent, Map<String, Object> args) {
                                        return handle(intent, args, Caller.LOCAL);
                                    }
                                    public CompletionStage<AgentReply> handle(String intent, Map<String, Object> args, Caller caller) {
                                        %4$s
                                    }
                                    public void close() { state = AgentState.STOPPED; }
                                };
                            }
                        });
                    }
                }
                """.formatted(pkg, type, description, body))
                .service(farm.llama.atmosphere.spi.agent.AgentTypeProvider.class, pkg + ".Agents");
    }

    /** Compiles and writes the jar. */
    public Path writeTo(Path dir, String fileName) throws IOException {
        Path work = Files.createTempDirectory("plugin-src");
        Path src = work.resolve("src");
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        if (!files.isEmpty()) {
            JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", spiPath(), "-proc:none"));
            args.addAll(files);
            int rc = javac.run(null, null, System.err, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("test plugin did not compile");
            }
        }
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", version);
        a.putValue("Plugin-Requires", requires);
        a.putValue("Plugin-Description", "test plugin " + id);
        Path jar = Files.createDirectories(dir).resolve(fileName);
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf)) {
            // directory entries, as jar and Maven write them: PF4J looks up META-INF/services as a directory
            if (!services.isEmpty()) {
                out.putNextEntry(new JarEntry("META-INF/services/"));
                out.closeEntry();
            }
            try (Stream<Path> walk = Files.walk(classes)) {
                for (Path p : walk.filter(p -> !p.equals(classes)).sorted().toList()) {
                    if (Files.isDirectory(p)) {
                        out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/') + "/"));
                        out.closeEntry();
                        continue;
                    }
                    out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                    out.write(Files.readAllBytes(p));
                    out.closeEntry();
                }
            }
            for (Map.Entry<String, List<String>> s : services.entrySet()) {
                out.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
                out.write((String.join("\n", s.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    private static String spiPath() {
        try {
            return Path.of(farm.llama.atmosphere.spi.Provider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
