package dev.pgwarden.operator.events;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events about pgwarden's objects, shown by {@code kubectl describe} and
 * {@code kubectl get events}. An event that cannot be written is logged, never fatal: events
 * are for people, not for correctness.
 */
public final class EventRecorder {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    private static final String CONTROLLER = "pgwarden.dev/operator";
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern(
                    "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
            .withZone(java.time.ZoneOffset.UTC);

    public enum Type {
        Normal,
        Warning
    }

    private final KubernetesClient client;
    private final String instance;
    private final Clock clock;

    public EventRecorder(KubernetesClient client, String instance, Clock clock) {
        this.client = client;
        this.instance = instance;
        this.clock = clock;
    }

    public void record(HasMetadata about, Type type, String reason, String action, String note) {
        String namespace = about.getMetadata().getNamespace();
        try {
            client.resource(new EventBuilder()
                            .withNewMetadata()
                            .withName(about.getMetadata().getName() + "."
                                    + UUID.randomUUID().toString().substring(0, 8))
                            .withNamespace(namespace)
                            .endMetadata()
                            .withRegarding(new ObjectReferenceBuilder()
                                    .withApiVersion(about.getApiVersion())
                                    .withKind(about.getKind())
                                    .withName(about.getMetadata().getName())
                                    .withNamespace(namespace)
                                    .withUid(about.getMetadata().getUid())
                                    .withResourceVersion(about.getMetadata().getResourceVersion())
                                    .build())
                            .withType(type.name())
                            .withReason(reason)
                            .withAction(action)
                            .withNote(note.length() > 1024 ? note.substring(0, 1021) + "..." : note)
                            .withReportingController(CONTROLLER)
                            .withReportingInstance(instance)
                            .withNewEventTime(MICRO_TIME.format(clock.instant().truncatedTo(ChronoUnit.MICROS)))
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            log.warn(
                    "could not record event {} on {}/{}: {}",
                    reason,
                    namespace,
                    about.getMetadata().getName(),
                    e.getMessage());
        }
    }
}
