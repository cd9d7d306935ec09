package dev.pgwarden.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The size rule names exactly the sources over the limit, and never passes on an empty or missing tree. */
class ClassSizeTest {
    @Test
    void namesOnlyTheSourcesOverTheLimit(@TempDir Path sources) throws Exception {
        Files.createDirectories(sources.resolve("a/b"));
        Files.write(sources.resolve("a/b/Long.java"), Collections.nCopies(ClassSize.MAX_LINES + 1, "//"));
        Files.write(sources.resolve("a/AtTheLimit.java"), Collections.nCopies(ClassSize.MAX_LINES, "//"));
        Files.write(sources.resolve("a/notes.txt"), Collections.nCopies(ClassSize.MAX_LINES * 2, "//"));

        assertThat(ClassSize.tooLong(sources))
                .containsExactly(Path.of("a", "b", "Long.java") + " (" + (ClassSize.MAX_LINES + 1) + " lines)");
    }

    @Test
    void aTreeWithoutSourcesFails(@TempDir Path sources) {
        assertThatThrownBy(() -> ClassSize.tooLong(sources)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ClassSize.tooLong(sources.resolve("missing")))
                .isInstanceOf(IllegalStateException.class);
    }
}
