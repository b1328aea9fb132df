package dev.imageregistry.gateway.ec2;

import java.util.List;

/** The EC2 actions one service of the Region answers (a CDI bean per service). */
public interface ActionFamily {
    List<Ec2Action> actions();
}
