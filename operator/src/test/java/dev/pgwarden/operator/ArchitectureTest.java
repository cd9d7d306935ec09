package dev.pgwarden.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator's shape, as rules the build checks. */
class ArchitectureTest {
  /** No main class may grow past this: a larger one has more than one job. */
  private static final int MAX_LINES = 400;
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages("dev.pgwarden.operator");
  }

  @Test
  void importedTheOperator() {
    assertThat(main.contain(OperatorMain.class)).as("the rules below see the operator's classes").isTrue();
  }

  /** Every package is a slice, the operator's root package included. */
  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.pgwarden.(**)").should().beFreeOfCycles().check(main);
  }

  /** The end-to-end tests run the real sidecar; the operator itself shares only src/api and src/database with it. */
  @Test
  void mainCodeNeverUsesTheSidecar() {
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.pgwarden.sidecar..").check(main);
  }

  @Test
  void noMainClassIsOver400Lines() throws IOException {
    Path sources = Path.of("src", "main", "java");
    assertThat(sources).isDirectory();
    List<String> tooLong;
    try (Stream<Path> files = Files.walk(sources)) {
      tooLong = files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> lines(f) > MAX_LINES)
          .map(f -> sources.relativize(f) + " (" + lines(f) + " lines)")
          .toList();
    }
    assertThat(tooLong).as("classes over " + MAX_LINES + " lines").isEmpty();
  }

  private static long lines(Path file) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
