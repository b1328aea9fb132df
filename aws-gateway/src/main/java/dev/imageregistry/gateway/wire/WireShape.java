package dev.imageregistry.gateway.wire;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;

/**
 * One structure of an AWS service model, read from the AWS SDK for Java v2's generated classes: they carry, for
 * every member, its name in the model (the JSON names of our services' APIs and of the AWS CLI's output), its query
 * parameter name and its XML element name, in the model's order. The SDK is generated from the same service model
 * as botocore's {@code service-2.json}, so this is the wire spec without a copy of it.
 */
public final class WireShape {
    private static final Map<Class<?>, WireShape> SHAPES = new ConcurrentHashMap<>();
    /** By the field itself (identity): a nested structure's shape without building an SDK builder per use. */
    private static final Map<SdkField<?>, WireShape> NESTED = new ConcurrentHashMap<>();

    private final List<SdkField<?>> fields;

    private WireShape(List<SdkField<?>> fields) {
        this.fields = fields;
    }

    public static WireShape of(Supplier<? extends SdkPojo> builder) {
        SdkPojo pojo = builder.get();
        return SHAPES.computeIfAbsent(pojo.getClass(), c -> new WireShape(pojo.sdkFields()));
    }

    static WireShape of(SdkField<?> structure) {
        WireShape shape = NESTED.get(structure);
        if (shape == null) {
            shape = of(structure.constructor());
            NESTED.put(structure, shape);
        }
        return shape;
    }

    public List<SdkField<?>> fields() {
        return fields;
    }

    public SdkField<?> field(String memberName) {
        for (SdkField<?> field : fields) {
            if (field.memberName().equals(memberName)) {
                return field;
            }
        }
        return null;
    }

    static boolean isStructure(SdkField<?> field) {
        return field.marshallingType() == MarshallingType.SDK_POJO;
    }

    static boolean isList(SdkField<?> field) {
        return field.marshallingType() == MarshallingType.LIST;
    }

    static SdkField<?> listMember(SdkField<?> list) {
        return list.getRequiredTrait(ListTrait.class).memberFieldInfo();
    }
}
