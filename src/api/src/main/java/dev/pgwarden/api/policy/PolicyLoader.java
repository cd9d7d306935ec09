package dev.pgwarden.api.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a {@code DatabaseAccessPolicy} YAML file. Strict: an unknown or misspelt field is an
 * error, because a silently ignored {@code maskng:} would leak the very data it was meant to hide.
 */
public final class PolicyLoader {
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private final PolicyValidator validator;

    public PolicyLoader(PolicyValidator.Use use) {
        this.validator = new PolicyValidator(use);
    }

    public DatabaseAccessPolicy load(Path file) throws InvalidPolicyException, IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "policy file not found");
        }
        return parse(text, file.toString());
    }

    public DatabaseAccessPolicy parse(String text, String source) throws InvalidPolicyException {
        DatabaseAccessPolicy policy;
        try {
            policy = yaml.readValue(text, DatabaseAccessPolicy.class);
        } catch (JsonMappingException e) {
            throw new InvalidPolicyException(source, List.of(new PolicyProblem(path(e), describe(e))));
        } catch (JsonProcessingException e) {
            String where =
                    e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new InvalidPolicyException(
                    source,
                    List.of(new PolicyProblem("(file)", "not valid YAML" + where + ": " + e.getOriginalMessage())));
        }
        if (policy == null) {
            throw new InvalidPolicyException(source, List.of(new PolicyProblem("(file)", "the file is empty")));
        }
        List<PolicyProblem> problems = validator.validate(policy);
        if (!problems.isEmpty()) {
            throw new InvalidPolicyException(source, problems);
        }
        return policy;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.length() == 0 ? "(file)" : sb.toString();
    }

    private static String describe(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown field '" + u.getPropertyName() + "'; known fields here: "
                    + u.getKnownPropertyIds().stream()
                            .map(String::valueOf)
                            .sorted()
                            .collect(Collectors.joining(", "));
        }
        if (e instanceof InvalidFormatException f
                && f.getTargetType() != null
                && f.getTargetType().isEnum()) {
            return "'" + f.getValue() + "' is not one of "
                    + Arrays.stream(f.getTargetType().getEnumConstants())
                            .map(PolicyLoader::enumName)
                            .collect(Collectors.joining(", "));
        }
        String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
        return e.getOriginalMessage().split("\n")[0] + line;
    }

    /** The name a user writes in YAML, which for some enums differs from the Java constant. */
    private static String enumName(Object constant) {
        try {
            var field = constant.getClass().getField(((Enum<?>) constant).name());
            var json = field.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            return json != null ? json.value() : ((Enum<?>) constant).name();
        } catch (NoSuchFieldException e) {
            return String.valueOf(constant);
        }
    }
}
