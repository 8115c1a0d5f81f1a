/* ferrolab from C++ through bindings/cpp/ferrolab.hpp: RAII handles and exceptions.
 *   c++ -std=c++17 examples/cpp/config_raii.cpp -Iinclude -Ibindings/cpp -Ltarget/release \
 *       -lferrolab -Wl,-rpath,$PWD/target/release -o config_raii && ./config_raii
 */
#include <iostream>

#include "ferrolab.hpp"

int main() {
    std::cout << "ferrolab " << ferrolab::version() << "\n";
    ferrolab::Config cfg;
    cfg.set("pf.grain_diameter_nm", 10.0);
    cfg.set("pf.seed", 7);
    std::cout << "pf.grain_diameter_nm = " << cfg.get_f64("pf.grain_diameter_nm") << "\n";
    try {
        cfg.set("pf.grain_diameter_nm", -1.0);
    } catch (const ferrolab::Error &e) {
        std::cout << "caught: " << e.what() << "\n";
    }
    for (const auto &key : ferrolab::Config::keys()) {
        std::cout << "  " << ferrolab::Config::describe(key) << "\n";
    }
    return 0;
}
