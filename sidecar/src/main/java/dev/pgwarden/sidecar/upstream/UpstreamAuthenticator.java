package dev.pgwarden.sidecar.upstream;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramException;
import dev.pgwarden.sidecar.protocol.CStrings;
import dev.pgwarden.sidecar.protocol.Messages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Answers the server's authentication requests for the upstream role: SCRAM-SHA-256 (with the
 * server's signature checked, so a fake server is caught), md5 and cleartext; trust needs nothing.
 */
final class UpstreamAuthenticator {
    private static final String SCRAM = "SCRAM-SHA-256";
    private final UpstreamConfig config;
    private ScramClient scram;

    UpstreamAuthenticator(UpstreamConfig config) {
        this.config = config;
    }

    /**
     * @param body the Authentication message body (its int code first)
     * @return the reply to send, or null when no reply is due
     */
    ByteBuf answer(ByteBufAllocator alloc, ByteBuf body) throws UpstreamException {
        int code = body.readInt();
        try {
            return switch (code) {
                case 0 -> null;
                case 3 -> Messages.passwordMessage(alloc, password());
                case 5 -> {
                    byte[] salt = new byte[4];
                    body.readBytes(salt);
                    yield Messages.passwordMessage(alloc, md5(salt));
                }
                case 10 -> scramStart(alloc, body);
                case 11 -> {
                    scram.serverFirstMessage(body.toString(StandardCharsets.UTF_8));
                    yield Messages.saslResponse(
                            alloc, scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8));
                }
                case 12 -> {
                    scram.serverFinalMessage(body.toString(StandardCharsets.UTF_8));
                    yield null;
                }
                default ->
                    throw new UpstreamException(
                            "the database asks for authentication method " + code
                                    + ", which pgwarden does not support: use scram-sha-256, md5, password or trust for the pgwarden role");
            };
        } catch (ScramException e) {
            throw new UpstreamException("SCRAM authentication with the database failed: " + e.getMessage());
        }
    }

    private ByteBuf scramStart(ByteBufAllocator alloc, ByteBuf body) throws UpstreamException {
        List<String> mechanisms = new ArrayList<>();
        while (body.isReadable() && body.getByte(body.readerIndex()) != 0) {
            mechanisms.add(CStrings.read(body));
        }
        if (!mechanisms.contains(SCRAM)) {
            throw new UpstreamException("the database offers SASL mechanisms " + mechanisms + " but not " + SCRAM);
        }
        // Only the non-PLUS mechanism is advertised: channel binding would need the TLS certificate hash.
        scram = ScramClient.builder()
                .advertisedMechanisms(List.of(SCRAM))
                .username("*")
                .password(password().toCharArray())
                .build();
        return Messages.saslInitialResponse(
                alloc, SCRAM, scram.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8));
    }

    private String password() throws UpstreamException {
        if (config.password() == null) {
            throw new UpstreamException(
                    "the database asks for a password but pgwarden has none for role " + config.user());
        }
        return config.password();
    }

    private String md5(byte[] salt) throws UpstreamException {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            String inner =
                    HexFormat.of().formatHex(md.digest((password() + config.user()).getBytes(StandardCharsets.UTF_8)));
            md.update(inner.getBytes(StandardCharsets.US_ASCII));
            md.update(salt);
            return "md5" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
