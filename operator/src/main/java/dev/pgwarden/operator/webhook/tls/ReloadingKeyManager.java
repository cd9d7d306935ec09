package dev.pgwarden.operator.webhook.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves whatever material it was last given, so a renewed certificate takes effect on the next
 * handshake without restarting the listener. The alias names a generation: a handshake that chose
 * its alias just before an update still gets a certificate and key that belong together.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private record Generation(long id, TlsMaterial material) {
        String alias() {
            return "pgwarden-webhook-" + id;
        }
    }

    private final AtomicReference<Generation> current;
    private final AtomicReference<Generation> previous = new AtomicReference<>();
    private final Runnable beforeHandshake;

    ReloadingKeyManager(TlsMaterial initial, Runnable beforeHandshake) {
        this.current = new AtomicReference<>(new Generation(1, initial));
        this.beforeHandshake = beforeHandshake;
    }

    void update(TlsMaterial material) {
        Generation old = current.get();
        previous.set(old);
        current.set(new Generation(old.id() + 1, material));
    }

    TlsMaterial material() {
        return current.get().material();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return chooseAlias();
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return chooseAlias();
    }

    private String chooseAlias() {
        beforeHandshake.run();
        return current.get().alias();
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation generation = find(alias);
        return generation == null ? null : generation.material().chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation generation = find(alias);
        return generation == null ? null : generation.material().key();
    }

    private Generation find(String alias) {
        for (Generation generation : new Generation[] {current.get(), previous.get()}) {
            if (generation != null && generation.alias().equals(alias)) {
                return generation;
            }
        }
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {current.get().alias()};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null; // server side only
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
