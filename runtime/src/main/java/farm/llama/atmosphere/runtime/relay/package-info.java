/**
 * The relay server ({@code atmosphere relay serve}): admits mesh members by their certificate
 * chain, forwards sealed frames between them and keeps only bounded state about anyone else.
 */
package farm.llama.atmosphere.runtime.relay;
