package dev.pgwarden.operator.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The chart under test, rendered with helm-java (Helm's own engine, in-process), as fabric8 objects. */
final class RenderedChart {
    static final Path REPO = Path.of(System.getProperty("pgwarden.repo.root", ".."))
            .toAbsolutePath()
            .normalize();
    static final Path CHART = REPO.resolve("charts/pgwarden");
    static final String RELEASE = "pgwarden";
    static final String NAMESPACE = "pgwarden-system";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static Path renderable;

    final List<HasMetadata> objects;

    private RenderedChart(List<HasMetadata> objects) {
        this.objects = objects;
    }

    /** Renders the chart as `helm template pgwarden charts/pgwarden -n pgwarden-system --set k=v...`. */
    static RenderedChart render(Map<String, Object> values) {
        TemplateCommand template =
                new Helm(renderable()).template().withName(RELEASE).withNamespace(NAMESPACE);
        values.forEach(template::set);
        Object parsed = SERIALIZATION.unmarshal(template.call());
        @SuppressWarnings("unchecked")
        List<HasMetadata> objects =
                parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
        return new RenderedChart(objects);
    }

    /**
     * A copy of the chart without Chart.yaml's kubeVersion. helm-java 0.0.15 renders against the
     * default capabilities of a Helm library built without version ldflags (Kubernetes v1.20.0) and
     * has no --kube-version, so the chart's ">=1.29.0-0" would refuse every render. Nothing else
     * differs; lint runs on the chart itself.
     */
    private static synchronized Path renderable() {
        if (renderable != null) {
            return renderable;
        }
        try {
            Path copy = Files.createTempDirectory("pgwarden-chart").resolve("pgwarden");
            try (Stream<Path> files = Files.walk(CHART)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(CHART.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            Path chartYaml = copy.resolve("Chart.yaml");
            String withoutKubeVersion = Files.readString(chartYaml).replaceAll("(?m)^kubeVersion:.*\\R", "");
            if (withoutKubeVersion.equals(Files.readString(chartYaml))) {
                throw new IllegalStateException("Chart.yaml has no kubeVersion line to take out; drop this workaround");
            }
            Files.writeString(chartYaml, withoutKubeVersion);
            renderable = copy;
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return find(type, name)
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in "
                        + objects.stream()
                                .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                                .toList()));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream()
                .filter(o -> name.equals(o.getMetadata().getName()))
                .findFirst();
    }

    Optional<HasMetadata> find(String kind, String name) {
        return objects.stream()
                .filter(o ->
                        kind.equals(o.getKind()) && name.equals(o.getMetadata().getName()))
                .findFirst();
    }
}
