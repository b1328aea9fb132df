package dev.imageregistry.gateway.wire;

import java.util.ArrayList;
import java.util.HashMap;
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
 *
 * <p>Each shape is read from the SDK once, with what the reader and the writer need of each member (names, kind, the
 * shape of a nested structure, a list's item): answering an image with a dozen nested structures then costs no SDK
 * builder, trait lookup or {@code Optional} per request.
 */
public final class WireShape {
    private static final Map<Class<?>, WireShape> SHAPES = new ConcurrentHashMap<>();

    /** What a member is on the wire. */
    public enum Kind {
        SCALAR, TIMESTAMP, LIST, STRUCTURE
    }

    /** One member of a structure (or a list's item), with everything the wire needs of it looked up once. */
    public static final class Member {
        private final SdkField<?> field;
        private final Kind kind;
        private final Member item;
        /** A nested structure's shape, resolved on first use: the model's shapes may refer to themselves. */
        private volatile WireShape structure;

        private Member(SdkField<?> field) {
            this.field = field;
            MarshallingType<?> type = field.marshallingType();
            if (type == MarshallingType.LIST) {
                kind = Kind.LIST;
                item = new Member(field.getRequiredTrait(ListTrait.class).memberFieldInfo());
            } else {
                kind = type == MarshallingType.SDK_POJO ? Kind.STRUCTURE
                        : type == MarshallingType.INSTANT ? Kind.TIMESTAMP : Kind.SCALAR;
                item = null;
            }
        }

        /** The member's name in the model (the key of the JSON trees). */
        public String name() {
            return field.memberName();
        }

        /** Its name in a Query request ({@code BlockDeviceMapping} for {@code BlockDeviceMappings}). */
        public String queryName() {
            return field.locationName();
        }

        /** Its element in an XML answer ({@code blockDeviceMapping}). */
        public String xmlName() {
            return field.unmarshallLocationName();
        }

        public Kind kind() {
            return kind;
        }

        public MarshallingType<?> type() {
            return field.marshallingType();
        }

        /** A list's item. */
        public Member item() {
            return item;
        }

        /** A structure's own shape. */
        public WireShape structure() {
            WireShape shape = structure;
            if (shape == null) {
                shape = of(field.constructor());
                structure = shape;
            }
            return shape;
        }
    }

    /** An array, not a list: the writer walks it for every structure of every answer. */
    private final Member[] members;
    private final Map<String, Member> byName;

    private WireShape(List<SdkField<?>> fields) {
        List<Member> read = new ArrayList<>(fields.size());
        Map<String, Member> named = new HashMap<>();
        for (SdkField<?> field : fields) {
            Member member = new Member(field);
            read.add(member);
            named.put(member.name(), member);
        }
        this.members = read.toArray(Member[]::new);
        this.byName = Map.copyOf(named);
    }

    public static WireShape of(Supplier<? extends SdkPojo> builder) {
        SdkPojo pojo = builder.get();
        WireShape shape = SHAPES.get(pojo.getClass());
        return shape != null ? shape : SHAPES.computeIfAbsent(pojo.getClass(), c -> new WireShape(pojo.sdkFields()));
    }

    /** The members, in the model's order. */
    public List<Member> members() {
        return List.of(members);
    }

    Member[] memberArray() {
        return members;
    }

    /** A member by its name in the model, or null. */
    public Member member(String name) {
        return byName.get(name);
    }
}
