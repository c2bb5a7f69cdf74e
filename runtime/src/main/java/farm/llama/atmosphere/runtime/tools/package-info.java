/**
 * Tools: the registry of every tool plugins offer, with the owner's grants per caller and
 * the JSON-schema check of arguments.
 */
package farm.llama.atmosphere.runtime.tools;
