/**
 * Configuration: {@link farm.llama.atmosphere.runtime.config.ConfigKey#ALL}, the one registry of
 * the keys the node reads; the loader that checks {@code config.yaml} and the environment against it;
 * and the check of each plugin's own section against the keys it declares.
 */
package farm.llama.atmosphere.runtime.config;
