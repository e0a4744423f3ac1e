#define BOOST_TEST_MODULE recpool_optim
#include <boost/test/unit_test.hpp>
