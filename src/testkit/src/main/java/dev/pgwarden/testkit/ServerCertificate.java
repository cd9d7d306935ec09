package dev.pgwarden.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed server certificate with an EC P-256 key, made in this JVM with Bouncy Castle so
 * that no test depends on an openssl command being installed. It names one DNS host only (its
 * subject alternative name), so a client that dials 127.0.0.1 with host-name checks must refuse
 * it; a client that trusts it as its CA accepts it for that host.
 */
public record ServerCertificate(X509Certificate certificate, PrivateKey key) {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Back-dated and short-lived, relative to now: no test depends on the calendar. */
    private static final Duration BACKDATE = Duration.ofHours(1);

    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final char[] KEYSTORE_PASSWORD = "test".toCharArray();

    /** A new key and a certificate for {@code dnsName} (also its subject CN), signed by that key. */
    public static ServerCertificate selfSigned(String dnsName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=" + dnsName);
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(
                            subject,
                            new BigInteger(127, RANDOM),
                            Date.from(now.minus(BACKDATE)),
                            Date.from(now.plus(VALIDITY)),
                            subject,
                            pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new ServerCertificate(certificate, pair.getPrivate());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("could not make a test certificate for " + dnsName, e);
        }
    }

    /** The certificate as PEM, which is also what a client that trusts it reads as its CA file. */
    public String certificatePem() {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key as unencrypted PKCS#8 PEM, the form PostgreSQL and Netty read. */
    public String keyPem() {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** Writes the certificate and the key (readable by the owner only) as PEM files. */
    public void writePem(Path certificateFile, Path keyFile) {
        try {
            Files.writeString(certificateFile, certificatePem());
            Files.writeString(keyFile, keyPem());
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test certificate", e);
        }
    }

    /** A TLS context that serves this certificate, for JDK servers such as {@code HttpsServer}. */
    public SSLContext serverContext() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, KEYSTORE_PASSWORD, new Certificate[] {certificate});
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, KEYSTORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("could not make a TLS context for the test certificate", e);
        }
    }

    /**
     * Writes server.crt and server.key into a PostgreSQL data directory with the ownership and
     * mode PostgreSQL insists on.
     */
    void install(Path dataDir) {
        try {
            var owner = Files.getOwner(dataDir);
            Path crt = dataDir.resolve("server.crt");
            Path key = dataDir.resolve("server.key");
            writePem(crt, key);
            for (Path file : new Path[] {crt, key}) {
                Files.setOwner(file, owner);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the test server certificate", e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
