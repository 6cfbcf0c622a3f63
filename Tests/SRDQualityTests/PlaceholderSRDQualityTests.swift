import XCTest
import SRDQuality
