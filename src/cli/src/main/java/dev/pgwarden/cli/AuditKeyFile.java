package dev.pgwarden.cli;

import dev.pgwarden.sidecar.audit.AuditChain;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads the audit key, failing with a message that names the file and what is wrong with it. */
final class AuditKeyFile {
    private AuditKeyFile() {}

    static AuditChain load(Path file) {
        try {
            return AuditChain.fromFile(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no key file " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use the key file " + file + ": " + e.getMessage());
        }
    }
}
