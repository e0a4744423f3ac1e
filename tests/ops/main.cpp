#define BOOST_TEST_MODULE recpool_ops
#include <boost/test/unit_test.hpp>
