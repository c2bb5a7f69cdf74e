/**
 * The web dashboard: static files under {@code META-INF/resources/ui/} (where another module's
 * class loader finds them in the jlink image), served by the node at {@code /ui/}. No classes.
 */
module farm.llama.atmosphere.ui {
}
