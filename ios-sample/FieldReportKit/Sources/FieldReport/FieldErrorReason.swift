import Foundation

/// The library's reason (what was wrong and what to do) as Swift shows errors: `"\(error)"` and
/// `error.localizedDescription` (the generated `errorDescription` reflects `description`) read it.
extension FieldError: CustomStringConvertible {
    public var reason: String {
        switch self {
        case .InvalidInput(let reason), .NotFound(let reason), .NotEnrolled(let reason),
             .AlreadyEnrolled(let reason), .CodeUnknown(let reason), .CodeExpired(let reason),
             .CodeUsed(let reason), .DeviceRevoked(let reason), .AccountDeactivated(let reason),
             .Forbidden(let reason),
             .Unreachable(let reason), .Cancelled(let reason), .Closed(let reason),
             .Storage(let reason), .Internal(let reason):
            return reason
        case .Server(_, _, let reason):
            return reason
        }
    }

    public var description: String { reason }
}
