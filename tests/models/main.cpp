#define BOOST_TEST_MODULE recpool_models
#include <boost/test/unit_test.hpp>
