import XCTest
import SRDDaemon
