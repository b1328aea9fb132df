package dev.imageregistry.registry.commands;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** What the image commands answer (PascalCase on the wire, as EC2 names the members). */
public final class ImageAnswers {
    private ImageAnswers() {
    }

    /** The answer to a create: the new image's ID. */
    public record ImageIdResult(String imageId) {
    }

    /** EC2's {@code Return} answer of the actions that only succeed or fail. */
    public record Outcome(@JsonProperty("Return") boolean succeeded) {
        public static final Outcome TRUE = new Outcome(true);
    }

    /** A warning that does not stop the action, e.g. instances still running from a deregistered image. */
    public record Warning(String code, String message) {
    }

    /**
     * DeregisterImage's answer: EC2's {@code Return}, and (beyond EC2) a warning when instances launched from the
     * image have not terminated; they keep running, but nothing new can be launched from it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Deregistration(@JsonProperty("Return") boolean succeeded, Integer instancesInUse,
            List<Warning> warnings) {

        static Deregistration of(String imageId, int instancesInUse) {
            if (instancesInUse == 0) {
                return new Deregistration(true, null, null);
            }
            String instancesHave = instancesInUse == 1 ? "1 instance launched from " + imageId + " has"
                    : instancesInUse + " instances launched from " + imageId + " have";
            return new Deregistration(true, instancesInUse, List.of(new Warning("ImageInUse", instancesHave
                    + " not terminated; they keep running, but no new instance can be launched from it.")));
        }
    }
}
