package dev.pgwarden.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.ECKey;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;

/**
 * What {@code pgwarden local} leaves for {@code pgwarden token}: the issuer URL, its signing key
 * and the proxy's address, in a file only the local user can read.
 */
record LocalState(
        String issuer, ECKey key, String host, int port, String database, String approvalsUrl, String approvalsSecret) {
    static final String FILE = "local.json";

    static Path defaultDirectory() {
        return Path.of(System.getProperty("user.home"), ".pgwarden", "local");
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode json = new ObjectMapper()
                .createObjectNode()
                .put("issuer", issuer)
                .put("key", key.toJSONString())
                .put("host", host)
                .put("port", port)
                .put("database", database)
                .put("approvalsUrl", approvalsUrl)
                .put("approvalsSecret", approvalsSecret);
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, json.toString(), StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(
                tmp,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static LocalState read(Path dir) throws IOException {
        try {
            var json = new ObjectMapper().readTree(dir.resolve(FILE).toFile());
            return new LocalState(
                    json.path("issuer").asText(),
                    LocalIssuer.parseKey(json.path("key").asText()),
                    json.path("host").asText(),
                    json.path("port").asInt(),
                    json.path("database").asText(),
                    json.path("approvalsUrl").asText(null),
                    json.path("approvalsSecret").asText(null));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new IOException("no running `pgwarden local` found in " + dir + ": start one first");
        } catch (ParseException e) {
            throw new IOException("the local state in " + dir + " is damaged: restart `pgwarden local`");
        }
    }

    String url(String user, String token) {
        return "postgresql://" + user + ":" + token + "@" + host + ":" + port + "/" + database;
    }
}
