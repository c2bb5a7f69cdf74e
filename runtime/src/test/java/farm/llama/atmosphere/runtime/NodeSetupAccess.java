package farm.llama.atmosphere.runtime;

/** Test access to package-private setup helpers. */
public final class NodeSetupAccess {
    private NodeSetupAccess() {
    }

    /** @return the init template */
    public static String template() {
        return NodeSetup.template();
    }
}
