package dev.pgwarden.sidecar;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the session core: bytes are read in {@code protocol}, Netty's channels are met only
 * in {@code session}, and decisions ({@code gate}) and pairing ({@code exchange}) are plain Java.
 */
class SessionCoreArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.pgwarden.sidecar");
    }

    @Test
    void protocolDependsOnNoOtherPgwardenPackage() {
        noClasses()
                .that()
                .resideInAPackage("dev.pgwarden.sidecar.protocol..")
                .should()
                .dependOnClassesThat(resideInAPackage("dev.pgwarden..")
                        .and(not(resideInAPackage("dev.pgwarden.sidecar.protocol.."))))
                .because("the wire is read and written in one place that knows neither side")
                .check(classes);
    }

    @Test
    void decisionsAndPairingNeverTouchAChannel() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.pgwarden.sidecar.gate..", "dev.pgwarden.sidecar.exchange..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.netty.channel..")
                .because("what to decide and how answers pair with requests are tested without a network")
                .check(classes);
    }

    @Test
    void theSessionCoreHasNoCycles() {
        slices().matching("dev.pgwarden.sidecar.(protocol|session|gate|exchange)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
    }

    @Test
    void pairingNeverReachesBackIntoDecisionsOrTheSession() {
        noClasses()
                .that()
                .resideInAPackage("dev.pgwarden.sidecar.exchange..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.pgwarden.sidecar.gate..", "dev.pgwarden.sidecar.session..")
                .check(classes);
    }
}
