package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.api.SharedCapability;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.runtime.util.SafeText;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A member as this node knows it, kept in {@code mesh/members.json} so a restarted node rejoins
 * from it.
 *
 * @param nodeId its node id
 * @param name its display name
 * @param endpoint where it listens
 * @param state alive, suspect, dead or left
 * @param lastSeen when a verified message last came from it (ms since the epoch; 0 never)
 * @param profileVersion the version of its capabilities held here
 * @param capabilities its capabilities as it published them
 * @param admittedBy the admin whose certificate signed its membership, "" when the mesh key did or when not known
 */
public record KnownMember(String nodeId, String name, String endpoint, String state, long lastSeen, long profileVersion,
                          List<SharedCapability> capabilities, String admittedBy) {

    /** Format of {@code members.json}. */
    public static final int FORMAT = 1;

    private static final System.Logger LOG = System.getLogger(KnownMember.class.getName());

    /** Normalises a missing admitter (member lists written before it was kept); a name is kept terminal-safe, at most 64 characters. */
    public KnownMember {
        admittedBy = admittedBy == null ? "" : admittedBy;
        name = SafeText.name(name);
    }

    /** A member whose admitter is not known (yet). */
    public KnownMember(String nodeId, String name, String endpoint, String state, long lastSeen, long profileVersion,
                       List<SharedCapability> capabilities) {
        this(nodeId, name, endpoint, state, lastSeen, profileVersion, capabilities, "");
    }

    /**
     * Writes {@code members.json} atomically (nothing when the mesh folder is gone).
     *
     * @param meshDir the mesh folder
     * @param members the members
     */
    static void save(Path meshDir, List<KnownMember> members) {
        if (!Files.isDirectory(meshDir)) {
            return;
        }
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("format", FORMAT);
        doc.set("members", Json.MAPPER.valueToTree(members));
        try {
            AtomicFiles.writeString(meshDir.resolve("members.json"), Json.pretty(doc) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + meshDir.resolve("members.json") + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param meshDir the mesh folder
     * @return the members last saved; none when the file is absent, or torn (logged: the members are found again)
     */
    static List<KnownMember> load(Path meshDir) {
        Path file = meshDir.resolve("members.json");
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            JsonNode doc = FileFormat.read(file, FORMAT);
            List<KnownMember> out = new ArrayList<>();
            for (JsonNode m : doc.path("members")) {
                out.add(Json.MAPPER.treeToValue(m, KnownMember.class));
            }
            return out;
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, () -> file + " is unreadable (" + e.getMessage() + "); starting from an empty member list");
            return List.of();
        }
    }
}
