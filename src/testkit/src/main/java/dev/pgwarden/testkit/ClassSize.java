package dev.pgwarden.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The size rule every module's ArchitectureTest checks: no class in main code over
 * {@value #MAX_LINES} lines, since a larger one has more than one job. The limit and the way lines
 * are counted live here once, so the modules cannot come to disagree.
 */
public final class ClassSize {
    /** No main class may grow past this. */
    public static final int MAX_LINES = 400;

    private ClassSize() {}

    /**
     * The Java sources under {@code sources} longer than {@link #MAX_LINES}, each as
     * "path (n lines)" relative to it.
     *
     * @throws IllegalStateException when {@code sources} holds no Java source, so a wrong path (a test
     *     run from another directory) fails instead of passing on nothing
     */
    public static List<String> tooLong(Path sources) throws IOException {
        if (!Files.isDirectory(sources)) {
            throw new IllegalStateException("no main sources at " + sources.toAbsolutePath());
        }
        List<Path> java;
        try (Stream<Path> files = Files.walk(sources)) {
            java = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        if (java.isEmpty()) {
            throw new IllegalStateException("no Java sources under " + sources.toAbsolutePath());
        }
        return java.stream()
                .filter(f -> lines(f) > MAX_LINES)
                .map(f -> sources.relativize(f) + " (" + lines(f) + " lines)")
                .toList();
    }

    /** The module's own main sources: tests run with the module's directory as the working directory. */
    public static List<String> tooLongInMain() throws IOException {
        return tooLong(Path.of("src", "main", "java"));
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
