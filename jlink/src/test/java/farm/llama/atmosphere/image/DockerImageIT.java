package farm.llama.atmosphere.image;

import static farm.llama.atmosphere.image.Commands.ok;
import static farm.llama.atmosphere.image.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.image.Commands.Run;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The release folder's {@code Dockerfile}. Without a Docker engine (as on these machines) its
 * instructions are carried out in a copy of the minimal Debian root (bookworm, as
 * {@code debian:bookworm-slim}): files copied from the release folder, each {@code RUN} run there,
 * then {@code init}, the {@code ENTRYPOINT}/{@code CMD} and the {@code HEALTHCHECK} run as its
 * {@code USER} with its {@code ENV} only, in its {@code WORKDIR}; a client from another address of the
 * container's network needs an API key. Where {@code docker info} succeeds (the release workflow),
 * a real {@code docker build} and {@code docker run} are tested too.
 */
class DockerImageIT {

    private static final String VERSION = Objects.requireNonNull(System.getProperty("atmosphere.version"), "-Datmosphere.version (the pom sets it)");
    private static final Path RELEASE = DebianRoot.TARGET.resolve("release");
    /** Docker's PATH when an image sets none */
    private static final String DOCKER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The final stage of a Dockerfile as the test reads it. */
    private static final class Image {
        final Map<String, String> env = new LinkedHashMap<>();
        final List<String> volumes = new ArrayList<>();
        final List<String> exposed = new ArrayList<>();
        String user = "root";
        String workdir = "/";
        List<String> entrypoint = List.of();
        List<String> cmd = List.of();
        List<String> healthcheck = List.of();
    }

    /** @return the instructions, continuation lines joined, comments dropped */
    private static List<String> instructions(Path dockerfile) throws Exception {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(dockerfile)) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
            } else {
                out.add(current.append(t).toString().strip());
                current.setLength(0);
            }
        }
        return out;
    }

    private static List<String> jsonArray(String text) throws Exception {
        JsonNode array = ImageNodes.JSON.readTree(text);
        assertTrue(array.isArray(), "the exec form (a JSON array): " + text);
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Carries out the Dockerfile in the root; stages share the root, so COPY --from finds what an earlier stage made in place. */
    private static Image build(DebianRoot debian, Path dockerfile) throws Exception {
        Image image = new Image();
        for (String instruction : instructions(dockerfile)) {
            String[] parts = instruction.split("\\s+", 2);
            String op = parts[0].toUpperCase(java.util.Locale.ROOT);
            String args = parts.length > 1 ? parts[1] : "";
            switch (op) {
                case "FROM" -> assertTrue(args.startsWith("debian:bookworm-slim"), "the root stands for debian:bookworm-slim, not " + args);
                case "COPY" -> {
                    String[] a = args.split("\\s+");
                    if (a[0].startsWith("--from=")) {
                        assertEquals(a[1], a[2], "a stage's result copied to the same place: it is already there in the shared root");
                    } else {
                        PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + a[0]);
                        Path to = debian.at(a[1]);
                        Files.createDirectories(to);
                        try (Stream<Path> files = Files.list(RELEASE)) {
                            List<Path> matched = files.filter(f -> glob.matches(f.getFileName())).toList();
                            assertTrue(!matched.isEmpty(), a[0] + " matches a file of the release folder");
                            for (Path f : matched) {
                                Files.copy(f, to.resolve(f.getFileName()));
                            }
                        }
                    }
                }
                case "RUN" -> debian.inOk(args);
                case "USER" -> image.user = args;
                case "WORKDIR" -> image.workdir = args;
                case "VOLUME" -> image.volumes.addAll(List.of(args.split("\\s+")));
                case "EXPOSE" -> image.exposed.addAll(List.of(args.split("\\s+")));
                case "ENV" -> {
                    for (String pair : args.split("\\s+")) {
                        int eq = pair.indexOf('=');
                        assertTrue(eq > 0, "ENV in the KEY=VALUE form: " + pair);
                        image.env.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
                case "HEALTHCHECK" -> image.healthcheck = jsonArray(args.substring(args.indexOf("CMD ") + 4));
                case "ENTRYPOINT" -> image.entrypoint = jsonArray(args);
                case "CMD" -> image.cmd = jsonArray(args);
                case "LABEL" -> assertTrue(args.contains("org.opencontainers.image.version=\"" + VERSION + "\""), args);
                default -> throw new AssertionError("this test does not know the Dockerfile instruction " + op + "; teach it");
            }
        }
        return image;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Test
    void theImagesContentsInitServeAndReportHealthyAsItsUserWithAKeyRequiredFromTheNetwork() throws Exception {
        DebianRoot debian = DebianRoot.copy("docker-it");
        try {
            Image image = build(debian, RELEASE.resolve("Dockerfile"));
            assertEquals("10001:10001", image.user, "a numeric user that is not root");
            assertEquals(List.of("/data"), image.volumes);
            assertEquals(List.of("11451", "11452"), image.exposed);
            assertEquals("/data", image.env.get("ATMOSPHERE_DATA_DIR"));
            assertEquals(List.of("atmosphere", "health"), image.healthcheck);

            String[] ids = image.user.split(":");
            String env = image.env.entrySet().stream().map(e -> quote(e.getKey() + "=" + e.getValue())).collect(Collectors.joining(" "));
            String asUser = "cd " + image.workdir + " && exec setpriv --reuid=" + ids[0] + " --regid=" + ids[1] + " --clear-groups env -i PATH=" + DOCKER_PATH
                    + " " + env;
            List<String> main = new ArrayList<>(image.entrypoint);
            main.addAll(image.cmd);
            String request = "exec 3<>/dev/tcp/10.99.0.2/11451; printf 'GET /v1/models HTTP/1.1\\r\\nHost: 10.99.0.2:11451\\r\\n%bConnection: close\\r\\n\\r\\n' "
                    + "\"$1\" >&3; head -n 1 <&3";
            String script = """
                    set -u
                    mkdir -p /tmp/it
                    (%1$s atmosphere init) >/tmp/it/init.out 2>&1; echo $? >/tmp/it/init.code
                    (%1$s %2$s) >/tmp/it/serve.log 2>&1 &
                    node=$!
                    i=0
                    until (%1$s %3$s) >/tmp/it/health.out 2>&1; do
                      i=$((i+1)); { [ $i -gt 120 ] || ! kill -0 $node; } && break; sleep 1
                    done
                    key=$(%1$s atmosphere token create --name it --json | sed -n 's/.*"key" *: *"\\([^"]*\\)".*/\\1/p')
                    bash -c %4$s request '' >/tmp/it/without-key.out 2>&1
                    bash -c %4$s request "Authorization: Bearer $key\\r\\n" >/tmp/it/with-key.out 2>&1
                    stat -c '%%u %%a %%n' /data/identity.json >/tmp/it/identity.stat
                    kill -TERM $node; wait $node; echo $? >/tmp/it/serve.code
                    """.formatted(asUser, String.join(" ", main), String.join(" ", image.healthcheck), quote(request));
            debian.inOk(script, Map.of("IN_ROOT_ADDRESS", "10.99.0.2/32")); // the container's own address, not loopback
            assertEquals("0", Files.readString(debian.at("/tmp/it/init.code")).strip(), Files.readString(debian.at("/tmp/it/init.out")));
            String health = Files.readString(debian.at("/tmp/it/health.out"));
            assertTrue(health.startsWith("ok: node "), "the HEALTHCHECK passes once the node serves: " + health + "\n"
                    + Files.readString(debian.at("/tmp/it/serve.log")));
            assertEquals("10001 600 /data/identity.json", Files.readString(debian.at("/tmp/it/identity.stat")).strip(), "the user's own key, private");
            assertTrue(Files.readString(debian.at("/tmp/it/without-key.out")).startsWith("HTTP/1.1 401"),
                    "another address of the container network needs a key: " + Files.readString(debian.at("/tmp/it/without-key.out")));
            assertTrue(Files.readString(debian.at("/tmp/it/with-key.out")).startsWith("HTTP/1.1 200"),
                    "with an API key it is served: " + Files.readString(debian.at("/tmp/it/with-key.out")));
            assertEquals("143", Files.readString(debian.at("/tmp/it/serve.code")).strip(), "docker stop's SIGTERM ends the node cleanly (128+15)");
        } finally {
            debian.remove();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeBuildsThisReleaseAndItsEnvironmentIsAConfigurationTheNodeAccepts() throws Exception {
        Map<String, Object> compose = new org.yaml.snakeyaml.Yaml().load(Files.readString(RELEASE.resolve("compose.yaml")));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        Map<String, Object> node = (Map<String, Object>) services.get("atmosphere");
        assertEquals(".", node.get("build"), "built from the release folder when the published image is not there");
        assertTrue(node.get("image").toString().endsWith(":" + VERSION), node.get("image").toString());
        assertTrue(services.containsKey("ollama"));
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) node.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        // read as the node reads its environment: no problem reported, Ollama named as a backend, loopback probing off
        Map<String, Object> tree = farm.llama.atmosphere.runtime.config.ConfigLoader.load(Path.of("no-config.yaml"), env).tree();
        assertEquals("[{type=ollama, url=http://ollama:11434}]", String.valueOf(tree.get("backends")));
        assertEquals("{probe-default-ports=false}", String.valueOf(tree.get("discovery")));
    }

    /** Where a Docker engine runs (the release workflow sets ATMOSPHERE_REQUIRE_DOCKER=1 there); these machines have none. */
    @Test
    void aRealDockerBuildRunsHealthyAndRefusesAClientWithoutAKey() throws Exception {
        boolean engine = run(List.of("sh", "-c", "docker info >/dev/null 2>&1")).code() == 0;
        if (!engine && "1".equals(System.getenv("ATMOSPHERE_REQUIRE_DOCKER"))) {
            throw new AssertionError("ATMOSPHERE_REQUIRE_DOCKER=1 and docker info fails: no Docker engine");
        }
        Assumptions.assumeTrue(engine, "no Docker engine here (docker info fails); the release workflow runs this test");
        String tag = "atmosphere-it:" + VERSION;
        String name = "atmosphere-it-" + ProcessHandle.current().pid();
        ok(List.of("docker", "build", "--quiet", "-t", tag, RELEASE.toString()));
        try {
            ok(List.of("docker", "run", "-d", "--name", name, "-p", "127.0.0.1::11451", tag));
            String status = "";
            for (int i = 0; i < 180 && !status.equals("healthy"); i++) {
                status = run(List.of("docker", "inspect", "-f", "{{.State.Health.Status}}", name)).out().strip();
                if (!status.equals("healthy")) {
                    Thread.sleep(1000);
                }
            }
            assertEquals("healthy", status, "the HEALTHCHECK: " + run(List.of("docker", "logs", name)).all());
            String port = ok(List.of("docker", "port", name, "11451/tcp")).out().lines().findFirst().orElseThrow().replaceAll(".*:", "");
            String models = "http://127.0.0.1:" + port + "/v1/models";
            assertEquals("401", ok(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", models)).out(), "the host is not the container's loopback");
            JsonNode key = ImageNodes.JSON.readTree(ok(List.of("docker", "exec", name, "atmosphere", "token", "create", "--name", "it", "--json")).out());
            Run withKey = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + key.get("key").asText(),
                    models));
            assertEquals("200", withKey.out(), withKey.all());
            assertEquals("10001", ok(List.of("docker", "exec", name, "id", "-u")).out().strip());
        } finally {
            run(List.of("docker", "rm", "-f", name));
            run(List.of("docker", "rmi", tag));
        }
    }
}
