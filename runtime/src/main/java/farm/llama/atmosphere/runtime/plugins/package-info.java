/**
 * The plugin host: finds PF4J plugins in the image and the data dir, keeps their enabled state,
 * and hands each SPI family's providers, with a failed plugin's reason, to the node.
 */
package farm.llama.atmosphere.runtime.plugins;
