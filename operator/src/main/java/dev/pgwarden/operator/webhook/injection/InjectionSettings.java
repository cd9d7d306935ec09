package dev.pgwarden.operator.webhook.injection;

import java.util.Objects;

/**
 * What the operator's flags decide about injected sidecars.
 *
 * @param sidecarImage        {@code --sidecar-image}
 * @param imagePullPolicy     {@code --sidecar-image-pull-policy} (IfNotPresent, Always, Never)
 * @param cpuRequest          {@code --sidecar-cpu-request}, a Kubernetes quantity such as 50m
 * @param memoryRequest       {@code --sidecar-memory-request}, e.g. 128Mi
 * @param memoryLimit         {@code --sidecar-memory-limit}, e.g. 512Mi
 * @param kubernetesIssuer    {@code --kubernetes-issuer}, passed to the sidecar to verify agents' projected tokens
 */
public record InjectionSettings(
        String sidecarImage,
        String imagePullPolicy,
        String cpuRequest,
        String memoryRequest,
        String memoryLimit,
        String kubernetesIssuer) {

    public static final String DEFAULT_PULL_POLICY = "IfNotPresent";
    public static final String DEFAULT_CPU_REQUEST = "50m";
    public static final String DEFAULT_MEMORY_REQUEST = "128Mi";
    public static final String DEFAULT_MEMORY_LIMIT = "512Mi";
    public static final String DEFAULT_KUBERNETES_ISSUER = "https://kubernetes.default.svc.cluster.local";

    public InjectionSettings {
        Objects.requireNonNull(sidecarImage, "sidecarImage (--sidecar-image) is required");
        if (sidecarImage.isBlank()) {
            throw new IllegalArgumentException("--sidecar-image must name an image");
        }
        imagePullPolicy = orDefault(imagePullPolicy, DEFAULT_PULL_POLICY);
        cpuRequest = orDefault(cpuRequest, DEFAULT_CPU_REQUEST);
        memoryRequest = orDefault(memoryRequest, DEFAULT_MEMORY_REQUEST);
        memoryLimit = orDefault(memoryLimit, DEFAULT_MEMORY_LIMIT);
        kubernetesIssuer = orDefault(kubernetesIssuer, DEFAULT_KUBERNETES_ISSUER);
    }

    /** The contract's defaults for everything but the image. */
    public static InjectionSettings withDefaults(String sidecarImage) {
        return new InjectionSettings(sidecarImage, null, null, null, null, null);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
