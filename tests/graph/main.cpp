#define BOOST_TEST_MODULE recpool_graph
#include <boost/test/unit_test.hpp>
