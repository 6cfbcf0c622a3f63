import XCTest
import SRDEngine
