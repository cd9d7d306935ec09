package dev.pgwarden.sidecar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Secret volume updated the way kubelet does it: each version in a new hidden folder, the
 * {@code ..data} symlink swapped to it atomically (a rename over the old link), the visible files
 * links through {@code ..data}, and the old version deleted right after.
 */
public final class KubeletVolume {
    private final Path dir;
    private int versions;

    public KubeletVolume(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Publishes a whole new version of the volume (every key; absent keys disappear). */
    public void publish(Map<String, String> files) {
        try {
            Path version = dir.resolve("..2026_01_01_00_00_00." + (++versions));
            Files.createDirectories(version);
            for (var e : files.entrySet()) {
                Files.writeString(version.resolve(e.getKey()), e.getValue());
            }
            Path data = dir.resolve("..data");
            Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
            Path tmp = dir.resolve("..data_tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, version.getFileName());
            Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String name : files.keySet()) {
                Path link = dir.resolve(name);
                if (!Files.isSymbolicLink(link)) {
                    Files.createSymbolicLink(link, Path.of("..data", name));
                }
            }
            if (previous != null && !previous.equals(version)) {
                try (Stream<Path> old = Files.walk(previous)) {
                    old.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
