package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.identity.ApiKeys;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere token create|list|revoke}: API keys for clients on other machines. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Manage API keys for clients that are not on this machine.",
                "Keys are shown once and stored only as hashes; a serving node picks up changes at once."})
final class TokenCommand {

    @ParentCommand
    RootCommand root;

    private ApiKeys keys() {
        return new ApiKeys(root.session.dataDir().apiKeysFile());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key and print it once.")
    int create(@Option(names = {"-n", "--name"}, paramLabel = "NAME", defaultValue = "client", description = "What the key is for.") String name,
               @Option(names = "--scope", paramLabel = "SCOPE", defaultValue = "openai",
                       description = "openai (the /v1 API only, the default), triggers (firing triggers only, for sensors and webhooks) or all.") String scope,
               @Mixin JsonOption json) {
        ApiKeys.NewKey k = keys().create(name, scope);
        if (json.on()) {
            Output.json(root.session.out, Map.of("id", k.info().id(), "name", k.info().name(), "scope", k.info().scope(),
                    "createdAt", k.info().createdAt(), "key", k.key()));
        } else {
            root.session.out.println("Created API key " + k.info().id() + " (" + k.info().scope() + "): " + k.key());
            root.session.out.println("Store it now: it is not shown again. Clients send it as 'Authorization: Bearer <key>'.");
        }
        return 0;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys (never their secrets).")
    int list(@Mixin JsonOption json) {
        List<ApiKeys.KeyInfo> all = keys().list();
        if (json.on()) {
            Output.json(root.session.out, Map.of("keys", all));
            return 0;
        }
        if (all.isEmpty()) {
            root.session.out.println("No API keys. 'atmosphere token create' makes one.");
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (ApiKeys.KeyInfo k : all) {
            rows.add(List.of(k.id(), k.name(), k.scope(), k.createdAt()));
        }
        Output.table(root.session.out, List.of("ID", "NAME", "SCOPE", "CREATED"), rows);
        return 0;
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key at once.")
    int revoke(@Parameters(paramLabel = "ID", description = "The key's id (from 'token list').") String id) {
        if (!keys().revoke(id)) {
            throw new AtmosphereException("No API key with id '" + id + "'. 'atmosphere token list' shows the ids.");
        }
        root.session.out.println("Revoked API key " + id);
        return 0;
    }
}
