#define BOOST_TEST_MODULE recpool_apps
#include <boost/test/unit_test.hpp>
