/// The version of iqkit, recorded in every result's provenance.
public enum IQKit {
    public static let version = "0.1.0"
}
