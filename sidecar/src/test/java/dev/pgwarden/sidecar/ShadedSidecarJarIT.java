package dev.pgwarden.sidecar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The same process test, run by failsafe after {@code package} against the shaded jar the sidecar
 * image copies ({@code sidecar/Dockerfile}): merged service files, Netty's native transports and
 * the manifest's main class are what a class-path run cannot show.
 */
class ShadedSidecarJarIT extends SidecarPolicyDirProcessTest {
    @Override
    protected List<String> launcher() {
        String jar = System.getProperty("pgwarden.shaded.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError("the shaded jar " + jar + " is missing: run this test through mvn verify");
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar);
    }
}
