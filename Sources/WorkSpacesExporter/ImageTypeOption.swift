import AWSCore
import AWSWorkSpaces
import ArgumentParser

/// `--workspaces.image-type`.
enum ImageTypeOption: String, ExpressibleByArgument, CaseIterable {
    case OWNED, SHARED
    var value: ImageType { self == .OWNED ? .owned : .shared }
}
