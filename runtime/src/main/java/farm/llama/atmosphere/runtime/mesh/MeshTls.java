package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS contexts for mesh links. A member presents its membership chain (Ed25519, TLS 1.3) and
 * accepts a peer only if the peer's chain verifies against the pinned mesh root and no
 * certificate in it is revoked. A joiner has no certificate yet: it presents none and accepts a
 * server only under the root its invite pinned. Refusals are reported (for the mesh stats).
 */
public final class MeshTls {

    private MeshTls() {
    }

    /**
     * @param identity this node (its private key signs the TLS handshake)
     * @param chain its membership chain, leaf first
     * @param root the pinned mesh root
     * @param revoked the current revoked node ids
     * @param clock the clock
     * @param refused told the reason of each refused peer chain
     * @return a context for a member's links, both directions
     */
    public static SSLContext member(Identity identity, List<X509Certificate> chain, X509Certificate root,
                                    Supplier<MeshCertificates.Withdrawn> revoked, Clock clock, Consumer<MeshSecurityException> refused) {
        return context(new KeyManager[] {new FixedKeyManager(identity.privateKey(), chain.toArray(X509Certificate[]::new))},
                new MeshTrust(root, revoked, clock, refused));
    }

    /**
     * @param root the root an invite pinned
     * @param clock the clock
     * @return a context for a joiner's link to a member: no client certificate, server checked against the root
     */
    public static SSLContext joiner(X509Certificate root, Clock clock) {
        return context(null, new MeshTrust(root, () -> MeshCertificates.Withdrawn.NONE, clock, e -> { }));
    }

    /**
     * Trust on first use, for a join by address alone (no invite, so no pinned root): any server
     * chain is accepted and kept for the joiner to show its mesh id; approval on the other side is
     * the safeguard.
     *
     * @param seen receives the server's chain
     * @return a context presenting no certificate
     */
    public static SSLContext firstContact(AtomicReference<List<X509Certificate>> seen) {
        return context(null, new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                throw new CertificateException("a joiner accepts no clients");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
                seen.set(List.of(chain));
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                throw new CertificateException("a joiner accepts no clients");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                seen.set(List.of(chain));
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("a joiner accepts no clients");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.set(List.of(chain));
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        });
    }

    private static SSLContext context(KeyManager[] keys, TrustManager trust) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(keys, new TrustManager[] {trust}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS 1.3 is not available: " + e.getMessage(), e);
        }
    }

    /** Checks peer chains against the mesh root (both directions). */
    private static final class MeshTrust extends X509ExtendedTrustManager {
        private final X509Certificate root;
        private final Supplier<MeshCertificates.Withdrawn> revoked;
        private final Clock clock;
        private final Consumer<MeshSecurityException> refused;

        MeshTrust(X509Certificate root, Supplier<MeshCertificates.Withdrawn> revoked, Clock clock, Consumer<MeshSecurityException> refused) {
            this.root = root;
            this.revoked = revoked;
            this.clock = clock;
            this.refused = refused;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            try {
                MeshCertificates.verify(Arrays.asList(chain), root, revoked.get(), clock.instant());
            } catch (MeshSecurityException e) {
                refused.accept(e);
                throw new CertificateException(e.reason().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new CertificateException("unreadable certificate chain: " + e.getMessage(), e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[] {root};
        }
    }

    /** Always presents this node's one key and chain, whatever the key type asked for. */
    private static final class FixedKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "node";
        private final PrivateKey key;
        private final X509Certificate[] chain;

        FixedKeyManager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        private static boolean edwards(String keyType) {
            return keyType != null && (keyType.equalsIgnoreCase("EdDSA") || keyType.equalsIgnoreCase("Ed25519"));
        }

        private static String any(String[] keyTypes) {
            return keyTypes != null && Arrays.stream(keyTypes).anyMatch(FixedKeyManager::edwards) ? ALIAS : null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return edwards(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return any(keyType);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return any(keyType);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return edwards(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return edwards(keyType) ? ALIAS : null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return edwards(keyType) ? ALIAS : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chain.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key;
        }
    }
}
