import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Build-time helper of build-image.sh (run as a source file with the image's Jackson on the class
 * path; java.base only otherwise, so it runs wherever the JDK does):
 * <pre>
 *   ReleaseTool sbom BOM_IN BOM_OUT JAVA_HOME IMAGE   the SBOM with the bundled JDK (its modules in IMAGE) as a component
 *   ReleaseTool notices BOM OUT                 THIRD-PARTY-NOTICES: each library, its version and licence
 * </pre>
 */
public final class ReleaseTool {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private ReleaseTool() {
    }

    public static void main(String[] args) throws IOException {
        switch (args.length == 0 ? "" : args[0]) {
            case "sbom" -> sbom(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), Path.of(args[4]));
            case "notices" -> notices(Path.of(args[1]), Path.of(args[2]));
            default -> {
                System.err.println("usage: ReleaseTool sbom BOM_IN BOM_OUT JAVA_HOME IMAGE | notices BOM OUT");
                System.exit(2);
            }
        }
    }

    /** @return the JDK's {@code release} file as a map (KEY="value" lines) */
    static Map<String, String> release(Path javaHome) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(javaHome.resolve("release"), StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().replaceAll("^\"|\"$", ""));
            }
        }
        return out;
    }

    static void sbom(Path in, Path out, Path javaHome, Path image) throws IOException {
        ObjectNode bom = (ObjectNode) JSON.readTree(in.toFile());
        Map<String, String> jdk = release(javaHome);
        String modules = String.join(" ", java.util.Arrays.stream(release(image).getOrDefault("MODULES", "").split(" "))
                .filter(m -> m.startsWith("java.") || m.startsWith("jdk.")).sorted().toList());
        String version = jdk.getOrDefault("JAVA_RUNTIME_VERSION", jdk.getOrDefault("JAVA_VERSION", "unknown"));
        ObjectNode c = JSON.createObjectNode();
        c.put("type", "platform");
        c.put("bom-ref", "jdk-runtime");
        c.put("publisher", jdk.getOrDefault("IMPLEMENTOR", "unknown"));
        c.put("name", "jdk");
        c.put("version", version);
        c.put("description", "The Java runtime linked into the image by jlink (" + jdk.getOrDefault("IMPLEMENTOR_VERSION", version)
                + "), its modules: " + modules);
        c.putArray("licenses").addObject().put("expression", "GPL-2.0-only WITH Classpath-exception-2.0");
        c.put("purl", "pkg:generic/openjdk@" + version.replace("+", "%2B"));
        ArrayNode components = bom.has("components") ? (ArrayNode) bom.get("components") : bom.putArray("components");
        components.add(c);
        JSON.writeValue(out.toFile(), bom);
    }

    static void notices(Path bomFile, Path out) throws IOException {
        JsonNode bom = JSON.readTree(bomFile.toFile());
        Map<String, List<String>> byLicence = new TreeMap<>();
        for (JsonNode c : bom.path("components")) {
            if (c.path("group").asText().startsWith("farm.llama.atmosphere")) {
                continue; // this project: LICENSE
            }
            String name = (c.path("group").asText().isEmpty() ? "" : c.path("group").asText() + ":") + c.path("name").asText()
                    + " " + c.path("version").asText();
            List<String> licences = new ArrayList<>();
            for (JsonNode l : c.path("licenses")) {
                String id = l.path("license").path("id").asText(l.path("license").path("name").asText(l.path("expression").asText("")));
                if (!id.isBlank()) {
                    licences.add(id);
                }
            }
            String key = licences.isEmpty() ? "licence not stated in its POM (see the project's site)" : String.join(" OR ", licences);
            byLicence.computeIfAbsent(key, k -> new ArrayList<>()).add(name + (c.path("type").asText().equals("platform")
                    ? " (the bundled Java runtime; its notices are in legal/ of this image)" : ""));
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Atmosphere bundles the software below, each under its own licence. Atmosphere itself is under the\n")
          .append("Apache License 2.0 (LICENSE). The full licence texts of the Java runtime's modules are in legal/.\n")
          .append("The CycloneDX SBOM published beside this archive names every component with its package URL.\n");
        byLicence.forEach((licence, names) -> {
            sb.append('\n').append(licence).append(":\n");
            names.stream().sorted().forEach(n -> sb.append("  ").append(n).append('\n'));
        });
        Files.writeString(out, sb.toString(), StandardCharsets.UTF_8);
    }
}
