import XCTest
import SRDMedia
