package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.agents.AgentService;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.Invites;
import farm.llama.atmosphere.runtime.mesh.KnownMember;
import farm.llama.atmosphere.runtime.mesh.MeshRoles;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.mesh.Revocations;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.routing.RouteExamples;
import farm.llama.atmosphere.runtime.util.FileFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every JSON file of a data dir and the newest format this version reads. Each reader takes
 * older formats and migrates them when it next writes (or, for the mesh files, when the node
 * opens); before anything is opened, {@link #checkNotNewer(DataDir)} refuses a data dir that a
 * newer version has written to, so a partly migrated or partly overwritten data dir cannot come of
 * running an old version on it. ({@code config.yaml} carries its own {@code format:}; PEM files,
 * {@code admin.token} and {@code history} are in formats of their own that have no version to carry.)
 */
public final class DataFiles {

    private DataFiles() {
    }

    /**
     * One data file.
     *
     * @param path its path inside the data dir
     * @param newest the newest format this version reads and writes
     */
    public record Versioned(String path, int newest) {
    }

    /** The data files this version knows, with their formats. */
    public static final List<Versioned> ALL = List.of(
            new Versioned("identity.json", Identity.FORMAT),
            new Versioned("api-keys.json", ApiKeys.FORMAT),
            new Versioned("agent-registry.json", AgentService.REGISTRY_FORMAT),
            new Versioned("plugin-state/plugins.json", PluginHost.STATE_FORMAT),
            new Versioned(RouteExamples.FILE, RouteExamples.FORMAT),
            new Versioned("mesh/mesh.json", MeshStore.FORMAT),
            new Versioned("mesh/mesh-key.json", MeshStore.FORMAT),
            new Versioned("mesh/relays.json", MeshStore.FORMAT),
            new Versioned("mesh/members.json", KnownMember.FORMAT),
            new Versioned("mesh/roles.json", MeshRoles.FORMAT),
            new Versioned("mesh/invites.json", Invites.FILE_FORMAT),
            new Versioned("mesh/revocations.json", Revocations.FORMAT));

    /**
     * Refuses a data dir with any file of a newer format, before anything reads or migrates it.
     * Unreadable files are left to their readers, which say what to do about each.
     *
     * @param dataDir the data dir
     * @throws FileFormat.NewerException naming the file and both formats
     */
    public static void checkNotNewer(DataDir dataDir) {
        for (Versioned v : ALL) {
            Path file = dataDir.path().resolve(v.path());
            if (Files.isRegularFile(file)) {
                try {
                    FileFormat.read(file, v.newest());
                } catch (IOException | IllegalArgumentException e) {
                    // its reader reports it, with the remedy that fits that file
                }
            }
        }
    }
}
