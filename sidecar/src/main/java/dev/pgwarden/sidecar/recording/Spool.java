package dev.pgwarden.sidecar.recording;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The local directory parts are written to before they are uploaded. A part being written ends in
 * {@code .open}; a finished part has its final name and waits in the queue for the uploader. The
 * spool counts its bytes so that a store outage shows (and, with fail-closed, stops statements)
 * before the disk fills.
 */
public final class Spool {
    static final String OPEN = ".open";

    private final Path root;
    private final AtomicLong bytes = new AtomicLong();
    private final BlockingDeque<Path> ready = new LinkedBlockingDeque<>();

    public Spool(Path root) throws IOException {
        this.root = Files.createDirectories(root).toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * Queues the finished parts found on disk (left by an earlier run) and counts every byte there.
     * Call once, after {@link SpoolRecovery} has finished the open parts.
     */
    void scan() throws IOException {
        List<Path> found = new ArrayList<>();
        long total = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                total += Files.size(f);
                if (RecordingLayout.parse(key(f)) != null) {
                    found.add(f);
                }
            }
        }
        found.sort(null);
        ready.addAll(found);
        bytes.addAndGet(total);
    }

    /** The part's path below the spool, which is also its key below the store's prefix. */
    String key(Path part) {
        return root.relativize(part).toString().replace('\\', '/');
    }

    Path file(String path) {
        return root.resolve(path);
    }

    void written(long n) {
        bytes.addAndGet(n);
    }

    /** A finished part: renamed to its final name and queued for upload. */
    void finished(Path open) throws IOException {
        String name = open.getFileName().toString();
        Path done = open.resolveSibling(name.substring(0, name.length() - OPEN.length()));
        Files.move(open, done, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        ready.add(done);
    }

    /** The oldest finished part, waiting at most the timeout; it stays queued until {@link #uploaded}. */
    Path next(Duration timeout) throws InterruptedException {
        Path head = ready.pollFirst(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (head != null) {
            ready.addFirst(head);
        }
        return head;
    }

    /**
     * Removes an uploaded part. Its session folder stays, because the writer may be creating the
     * session's next part in it at this moment; {@link #sweep} removes folders long empty.
     */
    void uploaded(Path part) throws IOException {
        long size = Files.size(part);
        Files.delete(part);
        ready.remove(part);
        bytes.addAndGet(-size);
    }

    /** Removes session folders that have been empty for longer than {@code idle}. */
    void sweep(Duration idle) {
        Instant before = Instant.now().minus(idle);
        try (Stream<Path> days = Files.walk(root, 3)) {
            for (Path dir : (Iterable<Path>) days.filter(d -> root.relativize(d).getNameCount() == 3)::iterator) {
                try (Stream<Path> sessions = Files.list(dir)) {
                    for (Path session : (Iterable<Path>) sessions::iterator) {
                        if (Files.isDirectory(session)
                                && Files.getLastModifiedTime(session)
                                        .toInstant()
                                        .isBefore(before)) {
                            try {
                                Files.delete(session);
                            } catch (DirectoryNotEmptyException e) {
                                // Still in use.
                            }
                        }
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // Folders vanish while walked; the next sweep tries again.
        }
    }

    public long bytes() {
        return bytes.get();
    }

    public int waitingParts() {
        return ready.size();
    }

    /** Seconds since the oldest waiting part was finished: how far the store is behind. */
    public double lagSeconds() {
        Path head = ready.peekFirst();
        if (head == null) {
            return 0;
        }
        try {
            Instant finished = Files.getLastModifiedTime(head).toInstant();
            return Math.max(0, Duration.between(finished, Instant.now()).toMillis() / 1000.0);
        } catch (IOException e) {
            return 0;
        }
    }
}
