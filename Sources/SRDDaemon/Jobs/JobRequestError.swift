/// A request the runner refuses, with the HTTP status that fits.
public struct JobRequestError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable { case notFound, conflict, invalid, forbidden, tooLarge, unavailable }
    public let kind: Kind
    public let description: String
}
