package dev.imageregistry.gateway.ec2;

import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.imageregistry.gateway.wire.AwsError;

/** Every EC2 action the gateway answers, by name; any other action gets EC2's refusal. */
@ApplicationScoped
public class Ec2Actions {
    private final Map<String, Ec2Action> byName = new TreeMap<>();

    @Inject
    public Ec2Actions(Instance<ActionFamily> families) {
        this((Iterable<ActionFamily>) families);
    }

    Ec2Actions(Iterable<? extends ActionFamily> families) {
        for (ActionFamily family : families) {
            for (Ec2Action action : family.actions()) {
                if (byName.put(action.name(), action) != null) {
                    throw new IllegalStateException("two handlers for " + action.name());
                }
            }
        }
    }

    public Ec2Action find(String name) {
        Ec2Action action = byName.get(name);
        if (action != null) {
            return action;
        }
        if (name != null && name.matches("[A-Z][A-Za-z0-9]{1,80}") && existsInEc2(name)) {
            throw new AwsError(400, "UnsupportedOperation", "The action " + name
                    + " is an EC2 action this image registry does not support.");
        }
        throw new AwsError(400, "InvalidAction", "The action " + name + " is not valid for this web service.");
    }

    public Iterable<String> names() {
        return byName.keySet();
    }

    public boolean answers(String name) {
        return byName.containsKey(name);
    }

    private static boolean existsInEc2(String name) {
        try {
            Class.forName("software.amazon.awssdk.services.ec2.model." + name + "Request", false,
                    Ec2Actions.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
